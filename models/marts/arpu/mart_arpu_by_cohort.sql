-- Cohort curves (docs/metrics.md section 9): one row per cohort (first
-- paying month) and month from the cohort month to the as-of month.
with

customers as (

    select * from {{ ref('int_account_months') }}
    where is_paying

),

months as (

    select * from {{ ref('int_reporting_months') }}

),

cohort_months as (

    select
        cohort_month,
        month,
        count(*) as paying_accounts,
        sum(user_count) as paying_users,
        sum(mrr) as mrr
    from customers
    group by 1, 2

),

cohorts as (

    select
        cohort_month,
        paying_accounts as cohort_accounts,
        mrr as cohort_mrr,
        {{ safe_ratio('mrr', 'paying_accounts') }} as cohort_arpa
    from cohort_months
    where month = cohort_month

),

-- Every month from the cohort's first to the as-of month, paying or not.
grid as (

    select
        cohorts.cohort_month,
        months.month,
        cohorts.cohort_accounts,
        cohorts.cohort_mrr,
        cohorts.cohort_arpa
    from cohorts
    inner join months
        on cohorts.cohort_month <= months.month

),

measured as (

    select
        grid.cohort_month,
        grid.month,
        grid.cohort_accounts,
        grid.cohort_mrr,
        grid.cohort_arpa,
        coalesce(cohort_months.paying_accounts, 0) as paying_accounts,
        coalesce(cohort_months.paying_users, 0) as paying_users,
        coalesce(cohort_months.mrr, 0) as mrr
    from grid
    left join cohort_months
        on
            grid.cohort_month = cohort_months.cohort_month
            and grid.month = cohort_months.month

),

with_ratios as (

    select
        *,
        {{ safe_ratio('mrr', 'paying_accounts') }} as arpa,
        {{ safe_ratio('mrr', 'paying_users') }} as arpu
    from measured

),

final as (

    select
        cohort_month,
        month,
        {{ calendar_months_between('cohort_month', 'month') }}
            as months_since_cohort,
        cast(cohort_accounts as {{ dbt.type_bigint() }}) as cohort_accounts,
        cast(paying_accounts as {{ dbt.type_bigint() }}) as paying_accounts,
        mrr,
        arpa,
        arpu,
        arpa / cohort_arpa - 1 as arpa_expansion,
        {{ safe_ratio('paying_accounts', 'cohort_accounts') }}
            as logo_retention,
        {{ safe_ratio('mrr', 'cohort_mrr') }} as net_mrr_retention
    from with_ratios

)

select * from final
