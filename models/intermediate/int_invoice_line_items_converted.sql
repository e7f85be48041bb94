-- Accepted lines with their net and gross amounts in the reporting currency
-- (metrics.md section 1). Every refund restates its line, whatever its date.
-- A view: the models that read it read only the columns they need, and the
-- revenue fact only the lines an incremental run recomputes.
{{ config(materialized='view') }}

with

line_items as (

    {{ accepted('invoice_line_items') }}

),

accounts as (

    {{ accepted('accounts') }}

),

refunds as (

    {{ accepted('refunds') }}

),

refunds_per_line as (

    select
        line_item_id,
        sum(amount) as refunded_amount
    from refunds
    group by 1

),

joined as (

    select
        line_items.*,
        accounts.is_test as is_test_account,
        coalesce(refunds_per_line.refunded_amount, 0) as refunded_amount
    from line_items
    inner join accounts
        on line_items.account_id = accounts.account_id
    left join refunds_per_line
        on line_items.line_item_id = refunds_per_line.line_item_id

),

final as (

    select
        joined.line_item_id,
        joined.invoice_id,
        joined.account_id,
        joined.subscription_id,
        joined.plan_id,
        joined.charge_type,
        joined.invoice_status,
        joined.currency,
        joined.amount,
        joined.discount_amount,
        joined.refunded_amount,
        joined.rate_to_reporting,
        {{ converted_amounts('joined') }},
        joined.quantity,
        joined.is_committed,
        joined.is_recurring,
        joined.is_test_account,
        joined.period_start,
        joined.period_end,
        joined.invoice_date,
        joined.updated_at,
        -- What the line's verdict was judged from (incremental runs).
        joined.source_fingerprint
    from joined

)

select * from final
