-- The lines that count (metrics.md section 1), each recurring one with its
-- monthly amount (section 2). Read "lines that count" as the accepted lines
-- of non-test accounts, paid or open, invoiced on or before the as-of date:
-- void and uncollectible lines carry no revenue and set no month.
-- A view, as int_invoice_line_items_converted is.
{{ config(materialized='view') }}

with

line_items as (

    select * from {{ ref('int_invoice_line_items_converted') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

counted as (

    select line_items.*
    from line_items
    cross join as_of
    where {{ is_line_that_counts('line_items', 'as_of.as_of_date') }}

),

normalized as (

    select
        *,
        case
            when period_start is not null
                then {{ period_months('period_start', 'period_end') }}
        end as period_months,
        case
            when period_start is not null
                then {{ days_between('period_start', 'period_end') }}
        end as period_days
    from counted

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
        is_recurring,
        net_amount,
        gross_amount,
        period_start,
        period_end,
        invoice_date,
        period_days,
        period_months,
        -- The cast outside the CASE: PostgreSQL drops the type's precision
        -- and scale from a CASE whose ELSE is the implicit NULL.
        cast(
            case when is_recurring then net_amount / period_months end
            as {{ type_money_precise() }}
        ) as monthly_amount,
        cast(
            case when is_recurring then gross_amount / period_months end
            as {{ type_money_precise() }}
        ) as gross_monthly_amount,
        -- The monthly amount before conversion, in the line's currency.
        cast(
            case
                when is_recurring then original_net_amount / period_months
            end
            as {{ type_money_precise() }}
        ) as original_monthly_amount,
        rate_to_reporting,
        refunded_amount,
        source_fingerprint
    from normalized

)

select * from final
