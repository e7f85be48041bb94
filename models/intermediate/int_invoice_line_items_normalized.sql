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
        counted.*,
        {{ period_lengths('counted') }}
    from counted

),

final as (

    select
        normalized.line_item_id,
        normalized.invoice_id,
        normalized.account_id,
        normalized.subscription_id,
        normalized.plan_id,
        normalized.charge_type,
        normalized.invoice_status,
        normalized.currency,
        normalized.is_recurring,
        normalized.net_amount,
        normalized.gross_amount,
        normalized.period_start,
        normalized.period_end,
        normalized.invoice_date,
        normalized.period_days,
        normalized.period_months,
        {{ monthly_amounts('normalized') }},
        normalized.rate_to_reporting,
        normalized.refunded_amount,
        normalized.source_fingerprint
    from normalized

)

select * from final
