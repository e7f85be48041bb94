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
        line_item_id,
        invoice_id,
        account_id,
        subscription_id,
        plan_id,
        charge_type,
        invoice_status,
        currency,
        amount,
        discount_amount,
        refunded_amount,
        rate_to_reporting,
        {{ converted_amounts('joined') }},
        quantity,
        is_committed,
        is_recurring,
        is_test_account,
        period_start,
        period_end,
        invoice_date,
        updated_at,
        -- What the line's verdict was judged from (incremental runs).
        source_fingerprint
    from joined

)

select * from final
