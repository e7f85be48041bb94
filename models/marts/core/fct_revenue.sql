-- The published revenue fact: the rows of int_revenue_line_months, without
-- its bookkeeping for incremental runs (a view;
-- published_materialization()).
{{ config(materialized=published_materialization()) }}

with

revenue_line_months as (

    select * from {{ ref('int_revenue_line_months') }}

),

final as (

    select
        line_item_id,
        month,
        account_id,
        invoice_id,
        subscription_id,
        plan_id,
        charge_type,
        is_recurring,
        is_mrr_contribution,
        mrr_amount,
        gross_mrr_amount,
        recognized_days,
        recognized_revenue,
        line_fingerprint
    from revenue_line_months

)

select * from final
