-- Rejected refunds: the rows of int_refunds_checked that break the contract,
-- with their original values as text (trimmed; typed columns as
-- <column>_raw) and every reason they fail. Grain: one row per rejected
-- input row (every copy of a duplicated key). They reach no metric;
-- marts/audit lists them. A view: a filter of the checked table, nothing
-- recomputed.
{{ config(materialized='view') }}

with

rejected as (

    select * from {{ ref('int_refunds_checked') }}
    where rejection_reasons is not null

),

final as (

    select
        refund_id,
        line_item_id,
        amount_raw,
        refunded_at_raw,
        rejection_reasons
    from rejected

)

select * from final
