-- Accepted plans: the rows of int_plans_checked that break nothing
-- (rejection_reasons is NULL), typed columns only. Grain: one row per
-- plan_id. A plan missing here does not exist for the metrics (tier
-- `unknown`). The rejected rows are in int_plans_rejected. A view: a filter
-- and a projection of that table, nothing recomputed; the rule lives in the
-- checked model only.
{{ config(materialized='view') }}

with

accepted as (

    select * from {{ ref('int_plans_checked') }}
    where rejection_reasons is null

),

final as (

    select
        plan_id,
        plan_name,
        tier,
        pricing_model,
        tier_rank
    from accepted

)

select * from final
