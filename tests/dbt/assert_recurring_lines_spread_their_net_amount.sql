-- A recurring line of k whole months contributes net / k at k month-end
-- snapshots: its MRR contributions add up to its net amount, to the cent,
-- once its period has ended by the as-of date. Its recognized revenue adds
-- up to its net amount too, whatever the period's shape. A failing row
-- names the line and its period, with the values compared.
--
-- Monthly amounts and shares are computed as doubles (net / period months,
-- net * days / period days), each off by at most ~2.2e-16 of itself, so a
-- line's months add up to its net within ~2.2e-16 of the net. The
-- tolerance is a cent, or 1e-12 of the net when that is more (above 5e9,
-- where a cent is finer than a double carries): a margin of ~4,500.
--
-- It checks the lines this build computed (every line on a full build; on
-- an incremental one, the lines it recomputed, all of whose rows it wrote:
-- docs/incremental.md, "Which tests run when").
with

revenue as (

    select * from {{ ref('int_revenue_line_months') }}
    where computed_in_invocation = '{{ invocation_id }}'

),

lines as (

    select * from {{ ref('int_invoice_line_items_normalized') }}
    where line_item_id in (select revenue.line_item_id from revenue)

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

ended_lines as (

    select
        lines.line_item_id,
        lines.period_start,
        lines.period_end,
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
        ended_lines.period_start,
        ended_lines.period_end,
        ended_lines.net_amount,
        ended_lines.is_whole_months,
        coalesce(sum(revenue.mrr_amount), 0) as mrr_total,
        coalesce(sum(revenue.recognized_revenue), 0) as recognized_total
    from ended_lines
    left join revenue
        on ended_lines.line_item_id = revenue.line_item_id
    group by 1, 2, 3, 4, 5

),

with_tolerance as (

    select
        *,
        greatest(0.005, 1e-12 * abs(net_amount)) as tolerance
    from spread

),

final as (

    select
        'int_revenue_line_months' as model_name,
        line_item_id,
        period_start,
        period_end,
        is_whole_months,
        net_amount,
        mrr_total,
        recognized_total,
        tolerance
    from with_tolerance
    where
        (is_whole_months and abs(mrr_total - net_amount) >= tolerance)
        or abs(recognized_total - net_amount) >= tolerance

)

select * from final
