-- Rejected plans: the rows of int_plans_checked that break the contract,
-- with their original values as text (trimmed; typed columns as
-- <column>_raw) and every reason they fail. Grain: one row per rejected
-- input row (every copy of a duplicated key). They reach no metric;
-- marts/audit lists them. A view: a filter of the checked table, nothing
-- recomputed.
{{ config(materialized='view') }}

with

rejected as (

    select * from {{ ref('int_plans_checked') }}
    where rejection_reasons is not null

),

final as (

    select
        plan_id,
        plan_name,
        tier,
        pricing_model,
        tier_rank_raw,
        rejection_reasons
    from rejected

)

select * from final
