-- The published active-customers dimension: the paying months of
-- int_account_months, with their MRR, users, cohort and segment attributes
-- (a view; published_materialization()).
{{ config(materialized=published_materialization()) }}

with

account_months as (

    select * from {{ ref('int_account_months') }}
    where is_paying

),

final as (

    select
        account_id,
        month,
        account_name,
        mrr,
        gross_mrr,
        user_count,
        active_users,
        cohort_month,
        is_new,
        months_since_cohort,
        tenure_band,
        top_plan_id,
        plan_tier,
        employee_count,
        company_size,
        country,
        region,
        industry,
        acquisition_channel
    from account_months

)

select * from final
