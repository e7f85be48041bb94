-- The normalized revenue fact: one row per line that counts and month it
-- contributes to, with its MRR contribution (metrics.md section 3) and its
-- recognized revenue (section 5), in the reporting currency.
with

line_items as (

    select
        *,
        {{ covered_from() }} as covered_from,
        {{ covered_until() }} as covered_until
    from {{ ref('int_invoice_line_items_normalized') }}
    -- Tax sets the months reported but is never revenue.
    where {{ is_revenue_line() }}

),

months as (

    select * from {{ ref('int_reporting_months') }}

),

line_months as (

    select
        line_items.*,
        months.month,
        months.snapshot_date,
        months.next_month,
        months.as_of_date
    from line_items
    -- [covered_from, covered_until) overlaps the month.
    inner join months
        on
            line_items.covered_from <= months.month_end
            and line_items.covered_until > months.month

),

measured as (

    select
        *,
        coalesce(
            is_recurring
            and period_start <= snapshot_date
            and snapshot_date < period_end,
            false
        ) as is_mrr_contribution,
        -- Days of [period_start, period_end) inside the month, up to and
        -- including the as-of date.
        case
            when period_start is not null
                then greatest(
                    {{ days_between(
                        'greatest(period_start, month)',
                        'least(period_end, next_month, '
                        ~ add_days('as_of_date', 1) ~ ')') }},
                    0
                )
        end as recognized_days
    from line_months

),

final as (

    select
        line_item_id,
        month,
        account_id,
        invoice_id,
        subscription_id,
        plan_id,
        charge_type,
        is_recurring,
        is_mrr_contribution,
        case
            when is_mrr_contribution then monthly_amount
            else cast(0 as {{ type_money_precise() }})
        end as mrr_amount,
        case
            when is_mrr_contribution then gross_monthly_amount
            else cast(0 as {{ type_money_precise() }})
        end as gross_mrr_amount,
        recognized_days,
        cast(
            case
                when period_start is null then net_amount
                else net_amount * recognized_days / period_days
            end as {{ type_money_precise() }}
        ) as recognized_revenue
    from measured
    where
        is_mrr_contribution
        or recognized_days > 0
        or (period_start is null and month = {{ month_of('invoice_date') }})

)

select * from final
