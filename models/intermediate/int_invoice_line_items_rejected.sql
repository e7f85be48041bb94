-- Rejected invoice lines: the rows of int_invoice_line_items_checked that
-- break the contract, with their original values as text (trimmed; typed
-- columns as <column>_raw) and every reason they fail. Grain: one row per
-- rejected input row (every copy of a duplicated key). They reach no metric;
-- marts/audit lists them. A view: a filter of the checked table, nothing
-- recomputed.
{{ config(materialized='view') }}

with

rejected as (

    select * from {{ ref('int_invoice_line_items_checked') }}
    where rejection_reasons is not null

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
        -- The amount as the contract reads it (NULL when it does not cast):
        -- what revenue_reconciliation sums over rejected lines.
        amount,
        amount_raw,
        discount_amount_raw,
        quantity_raw,
        is_committed_raw,
        period_start_raw,
        period_end_raw,
        invoice_date_raw,
        updated_at_raw,
        rejection_reasons
    from rejected

)

select * from final
