-- A recurring line of k whole months contributes net / k at k month-end
-- snapshots: its MRR contributions add up to its net amount, to the cent,
-- once its period has ended by the as-of date. Its recognized revenue adds
-- up to its net amount too, whatever the period's shape.
with

lines as (

    select * from {{ ref('int_invoice_line_items_normalized') }}

),

revenue as (

    select * from {{ ref('fct_revenue') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

ended_lines as (

    select
        lines.line_item_id,
        lines.net_amount,
        {{ is_whole_month_period('lines.period_start', 'lines.period_end') }}
            as is_whole_months
    from lines
    cross join as_of
    where
        lines.is_recurring
        and lines.period_end <= as_of.as_of_date

),

spread as (

    select
        ended_lines.line_item_id,
        ended_lines.net_amount,
        ended_lines.is_whole_months,
        sum(revenue.mrr_amount) as mrr_total,
        sum(revenue.recognized_revenue) as recognized_total
    from ended_lines
    left join revenue
        on ended_lines.line_item_id = revenue.line_item_id
    group by 1, 2, 3

)

select *
from spread
where
    (is_whole_months and abs(coalesce(mrr_total, 0) - net_amount) >= 0.005)
    or abs(coalesce(recognized_total, 0) - net_amount) >= 0.005
