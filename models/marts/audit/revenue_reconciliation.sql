-- No money goes missing (billing-contract.md, "Bad input"): per currency,
-- the raw amount of every invoice line = accepted + rejected, over the
-- rows whose amount and currency can be read; and the net amount of the
-- lines that count, for periods inside the reported range, = the revenue
-- fct_revenue recognizes for them. Grain: one row per currency.
with

staged as (

    select * from {{ ref('stg_billing__invoice_line_items') }}

),

accepted as (

    {{ accepted('invoice_line_items') }}

),

rejected as (

    {{ rejected('invoice_line_items') }}

),

counted as (

    select * from {{ ref('int_invoice_line_items_normalized') }}

),

revenue as (

    select * from {{ ref('int_revenue_line_months') }}

),

months as (

    select
        min(month) as first_month,
        max(as_of_date) as as_of_date
    from {{ ref('int_reporting_months') }}

),

-- The staged rows in one pass (a view: each read casts every row again),
-- per currency as read, or 'unknown'. A row is readable when its amount
-- and currency are.
staged_lines as (

    select
        coalesce(currency, 'unknown') as currency,
        count(
            case when amount is not null and currency is not null then 1 end
        ) as raw_rows,
        sum(
            case when currency is not null then amount end
        ) as raw_amount,
        count(
            case when amount is null or currency is null then 1 end
        ) as unreadable_rows
    from staged
    group by 1

),

accepted_lines as (

    select
        currency,
        count(*) as accepted_rows,
        sum(amount) as accepted_amount
    from accepted
    group by 1

),

rejected_lines as (

    select
        currency,
        count(*) as rejected_rows,
        sum(amount) as rejected_amount
    from rejected
    where currency is not null and amount is not null
    group by 1

),

-- Lines that count (tax aside: never revenue) whose service period, or
-- invoice date, lies inside the reported range.
inside_range as (

    select counted.*
    from counted
    cross join months
    where
        {{ is_revenue_line('counted') }}
        and {{ covered_until('counted') }}
        <= {{ add_days('months.as_of_date', 1) }}
        and {{ covered_from('counted') }} >= months.first_month

),

net_inside_range as (

    select
        currency,
        sum(net_amount) as counted_net_amount
    from inside_range
    group by 1

),

recognized_inside_range as (

    select
        inside_range.currency,
        sum(revenue.recognized_revenue) as recognized_revenue
    from inside_range
    inner join revenue
        on inside_range.line_item_id = revenue.line_item_id
    group by 1

),

final as (

    select
        staged_lines.currency,
        staged_lines.raw_rows,
        coalesce(staged_lines.raw_amount, 0) as raw_amount,
        coalesce(accepted_lines.accepted_rows, 0) as accepted_rows,
        coalesce(accepted_lines.accepted_amount, 0) as accepted_amount,
        coalesce(rejected_lines.rejected_rows, 0) as rejected_rows,
        coalesce(rejected_lines.rejected_amount, 0) as rejected_amount,
        staged_lines.unreadable_rows,
        coalesce(staged_lines.raw_amount, 0)
        - coalesce(accepted_lines.accepted_amount, 0)
        - coalesce(rejected_lines.rejected_amount, 0) as unexplained_amount,
        coalesce(net_inside_range.counted_net_amount, 0)
            as counted_net_amount,
        coalesce(recognized_inside_range.recognized_revenue, 0)
            as recognized_revenue,
        coalesce(net_inside_range.counted_net_amount, 0)
        - coalesce(recognized_inside_range.recognized_revenue, 0)
            as unrecognized_amount
    from staged_lines
    left join accepted_lines
        on staged_lines.currency = accepted_lines.currency
    left join rejected_lines
        on staged_lines.currency = rejected_lines.currency
    left join net_inside_range
        on staged_lines.currency = net_inside_range.currency
    left join recognized_inside_range
        on staged_lines.currency = recognized_inside_range.currency

)

select * from final
