-- One row per paying account and month (metrics.md sections 3, 4, 8, 9),
-- with its cohort, tenure and segment attributes: what
-- dim_active_customers publishes, and what the segments, movements and
-- cohorts read.
with

account_months as (

    select * from {{ ref('int_account_months') }}
    where is_paying

),

accounts as (

    {{ accepted('accounts') }}

),

size_bands as (

    select * from {{ ref('company_size_bands') }}

),

country_regions as (

    select * from {{ ref('country_regions') }}

),

cohorts as (

    select
        *,
        min(month) over (partition by account_id) as cohort_month
    from account_months

),

with_tenure as (

    select
        *,
        {{ calendar_months_between('cohort_month', 'month') }}
            as months_since_cohort
    from cohorts

),

final as (

    select
        with_tenure.account_id,
        with_tenure.month,
        accounts.account_name,
        with_tenure.mrr,
        with_tenure.gross_mrr,
        with_tenure.user_count,
        with_tenure.active_users,
        with_tenure.cohort_month,
        with_tenure.month = with_tenure.cohort_month as is_new,
        with_tenure.months_since_cohort,
        case
            when with_tenure.months_since_cohort < 3 then '0-2m'
            when with_tenure.months_since_cohort < 6 then '3-5m'
            when with_tenure.months_since_cohort < 12 then '6-11m'
            when with_tenure.months_since_cohort < 24 then '12-23m'
            else '24m+'
        end as tenure_band,
        with_tenure.top_plan_id,
        with_tenure.plan_tier,
        accounts.employee_count,
        coalesce(size_bands.company_size, 'unknown') as company_size,
        coalesce(accounts.country_code, 'unknown') as country,
        coalesce(country_regions.region, 'unknown') as region,
        coalesce(accounts.industry, 'unknown') as industry,
        coalesce(accounts.acquisition_channel, 'unknown')
            as acquisition_channel
    from with_tenure
    inner join accounts
        on with_tenure.account_id = accounts.account_id
    left join size_bands
        on
            accounts.employee_count >= size_bands.min_employees
            and (
                size_bands.max_employees is null
                or accounts.employee_count <= size_bands.max_employees
            )
    left join country_regions
        on accounts.country_code = country_regions.country_code

)

select * from final
