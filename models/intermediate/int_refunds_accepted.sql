-- Accepted refunds: the rows of int_refunds_checked that break nothing
-- (rejection_reasons is NULL), typed columns only. Grain: one row per
-- refund_id. Each restates its line in int_invoice_line_items_converted. The
-- rejected rows are in int_refunds_rejected. A view: a filter and a
-- projection of that table, nothing recomputed; the rule lives in the
-- checked model only.
{{ config(materialized='view') }}

with

accepted as (

    select * from {{ ref('int_refunds_checked') }}
    where rejection_reasons is null

),

final as (

    select
        refund_id,
        line_item_id,
        amount,
        refunded_at
    from accepted

)

select * from final
