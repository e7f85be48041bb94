-- Accepted invoice lines whose accepted refunds add up to more than the
-- line's amount net of discount, in the line's currency
-- (docs/billing_contract.md, "Bad input"): refunds > amount -
-- discount_amount. They are applied as given, so the line's net goes
-- negative; this lists them, with the refund ids (for Stripe input, the
-- credit note line or charge refund piece ids), because a refund typed with
-- a wrong amount looks exactly like this. `arpu build` warns when any is
-- found. Whatever the input: contract refunds and Stripe credit notes alike
-- reach int_refunds_checked. Grain: one row per such line.
with

line_items as (

    {{ accepted('invoice_line_items') }}

),

refunds as (

    {{ accepted('refunds') }}

),

refunds_per_line as (

    select
        line_item_id,
        count(*) as refund_count,
        sum(amount) as refunded_amount,
        {{ sorted_text_list('refund_id') }} as refund_ids
    from refunds
    group by 1

),

over_refunded as (

    select
        line_items.line_item_id,
        line_items.invoice_id,
        line_items.account_id,
        line_items.invoice_status,
        line_items.currency,
        line_items.amount,
        line_items.discount_amount,
        refunds_per_line.refunded_amount,
        refunds_per_line.refund_count,
        refunds_per_line.refund_ids
    from line_items
    inner join refunds_per_line
        on line_items.line_item_id = refunds_per_line.line_item_id
    where
        refunds_per_line.refunded_amount
        > line_items.amount - line_items.discount_amount

),

final as (

    select
        line_item_id,
        invoice_id,
        account_id,
        invoice_status,
        currency,
        cast(amount as {{ type_money_rounded() }}) as amount,
        cast(discount_amount as {{ type_money_rounded() }}) as discount_amount,
        cast(refunded_amount as {{ type_money_rounded() }}) as refunded_amount,
        cast(
            refunded_amount - (amount - discount_amount)
            as {{ type_money_rounded() }}
        ) as excess_amount,
        cast(refund_count as {{ dbt.type_bigint() }}) as refund_count,
        refund_ids
    from over_refunded

)

select * from final
