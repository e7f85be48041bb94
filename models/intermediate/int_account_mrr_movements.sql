-- Each account's MRR in a month against the month before (docs/metrics.md
-- section 10), for every account paying in either: an account not paying
-- has 0. Grain: account x month.
with

customers as (

    select * from {{ ref('dim_active_customers') }}

),

months as (

    select * from {{ ref('int_reporting_months') }}

),

account_cohorts as (

    select distinct
        account_id,
        cohort_month
    from customers

),

-- The account-months to compare: paying now, or paying the month before.
candidates as (

    select
        account_id,
        month
    from customers
    union
    select
        customers.account_id,
        months.month
    from customers
    inner join months
        on customers.month = months.previous_month

),

compared as (

    select
        candidates.account_id,
        candidates.month,
        coalesce(previous_month.mrr, 0) as previous_mrr,
        coalesce(current_month.mrr, 0) as mrr,
        -- Paid before M: the first paying month is earlier.
        account_cohorts.cohort_month < candidates.month as has_paid_before
    from candidates
    inner join months
        on candidates.month = months.month
    left join customers as current_month
        on
            candidates.account_id = current_month.account_id
            and candidates.month = current_month.month
    left join customers as previous_month
        on
            candidates.account_id = previous_month.account_id
            and months.previous_month = previous_month.month
    inner join account_cohorts
        on candidates.account_id = account_cohorts.account_id

),

classified as (

    select
        *,
        case
            when previous_mrr = 0 and mrr > 0 and not has_paid_before
                then 'new'
            when previous_mrr = 0 and mrr > 0 then 'reactivation'
            when previous_mrr > 0 and mrr > previous_mrr then 'expansion'
            when previous_mrr > 0 and mrr > 0 and mrr < previous_mrr
                then 'contraction'
            when previous_mrr > 0 and mrr = 0 then 'churn'
            else 'unchanged'
        end as movement_type
    from compared

),

final as (

    select
        account_id,
        month,
        previous_mrr,
        mrr,
        movement_type,
        case
            when movement_type = 'new' then mrr else 0
        end as new_mrr,
        case
            when movement_type = 'reactivation' then mrr else 0
        end as reactivation_mrr,
        case
            when movement_type = 'expansion' then mrr - previous_mrr else 0
        end as expansion_mrr,
        case
            when movement_type = 'contraction' then previous_mrr - mrr else 0
        end as contraction_mrr,
        case
            when movement_type = 'churn' then previous_mrr else 0
        end as churned_mrr
    from classified

)

select * from final
