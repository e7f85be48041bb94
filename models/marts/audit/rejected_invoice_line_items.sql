-- Invoice lines that break the contract, with their original values (as
-- text, trimmed) and every reason they failed. None reaches a metric.
with

line_items as (

    {{ rejected('invoice_line_items') }}

),

final as (

    select
        line_item_id,
        invoice_id,
        account_id,
        subscription_id,
        plan_id,
        charge_type,
        is_committed_raw as is_committed,
        amount_raw as amount,
        discount_amount_raw as discount_amount,
        currency,
        quantity_raw as quantity,
        period_start_raw as period_start,
        period_end_raw as period_end,
        invoice_date_raw as invoice_date,
        invoice_status,
        updated_at_raw as updated_at,
        rejection_reasons
    from line_items

)

select * from final
