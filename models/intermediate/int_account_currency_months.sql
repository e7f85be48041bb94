-- Each account's MRR by currency of its lines (docs/metrics.md section 10):
-- the net monthly amounts of its lines in the currency that contribute to
-- the month (section 3), summed before conversion and in the reporting
-- currency. Unrounded exact decimals. Grain: account x month x currency.
with

revenue as (

    select * from {{ ref('int_revenue_line_months') }}
    where is_mrr_contribution

),

line_items as (

    select * from {{ ref('int_invoice_line_items_normalized') }}

),

final as (

    select
        revenue.account_id,
        revenue.month,
        line_items.currency,
        cast(
            sum(line_items.original_monthly_amount)
            as {{ type_money_precise() }}
        ) as original_mrr_amount,
        cast(
            sum(revenue.mrr_amount) as {{ type_money_precise() }}
        ) as mrr_amount
    from revenue
    inner join line_items
        on revenue.line_item_id = line_items.line_item_id
    group by 1, 2, 3

)

select * from final
