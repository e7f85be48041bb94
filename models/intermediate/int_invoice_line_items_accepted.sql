-- Accepted invoice lines: the rows of int_invoice_line_items_checked that
-- break nothing (rejection_reasons is NULL), typed columns only. Grain: one
-- row per line_item_id. Amounts are still in the line's own currency;
-- int_invoice_line_items_converted converts them. The rejected rows are in
-- int_invoice_line_items_rejected. A view: a filter and a projection of that
-- table, nothing recomputed; materializing it would copy the biggest table
-- once more.
{{ config(materialized='view') }}

with

accepted as (

    select * from {{ ref('int_invoice_line_items_checked') }}
    where rejection_reasons is null

),

final as (

    select
        line_item_id,
        invoice_id,
        account_id,
        subscription_id,
        plan_id,
        charge_type,
        currency,
        invoice_status,
        amount,
        discount_amount,
        quantity,
        is_committed,
        is_recurring,
        period_start,
        period_end,
        invoice_date,
        updated_at,
        rate_to_reporting
    from accepted

)

select * from final
