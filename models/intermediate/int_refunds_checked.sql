-- Every staged refund row with its verdict: typed values, original text and
-- rejection_reasons (NULL = accepted). Grain: one row per row of
-- stg_billing__refunds. The one place refunds are judged: later models read
-- it through the accepted() and rejected() macros
-- (macros/contract/quarantine.sql).
with

refunds as (

    select * from {{ ref('stg_billing__refunds') }}

),

accepted_lines as (

    {{ accepted('invoice_line_items', 'line_item_id') }}

),

rejected_lines as (

    {{ rejected('invoice_line_items', 'line_item_id') }}

),

-- A duplicated line id is rejected in every copy, so an id is either one
-- accepted line or only rejected ones: a refund's line is looked up among
-- the accepted lines (unique ids) and the rejected ids (made distinct, so
-- that no refund row is repeated). The refunds, the small side, are joined
-- to them, rather than every line id grouped.
rejected_line_keys as (

    select distinct line_item_id
    from rejected_lines
    where line_item_id is not null

),

keyed as (

    select
        refunds.*,
        accepted_lines.line_item_id is not null
        or rejected_line_keys.line_item_id is not null as has_line,
        accepted_lines.line_item_id is not null as has_accepted_line,
        count(*) over (partition by refunds.refund_id) as rows_with_key,
        -- Over every refund row of the line whose amount reads and is in
        -- range, accepted or not: a bound on what the accepted ones add up
        -- to (one refund out of range has its own reason).
        sum(
            case
                when not {{ is_money_out_of_range('refunds.amount') }}
                    then abs(refunds.amount)
            end
        ) over (partition by refunds.line_item_id) as line_refunds_total
    from refunds
    left join accepted_lines
        on refunds.line_item_id = accepted_lines.line_item_id
    left join rejected_line_keys
        on refunds.line_item_id = rejected_line_keys.line_item_id

),

checked as (

    select
        *,
        {{ finish_reasons(reason_codes([
            ('refund_id is not null and rows_with_key > 1',
             'duplicate_refund_id'),
            ('line_item_id is not null and not has_line',
             'unknown_line_item_id'),
            ('has_line and not has_accepted_line', 'refunded_line_rejected'),
            ('line_item_id is not null and '
             ~ is_money_out_of_range('line_refunds_total'),
             'refund_total_out_of_range'),
        ], carried='row_reasons')) }} as rejection_reasons
    from keyed

),

final as (

    select
        refund_id,
        line_item_id,
        amount,
        refunded_at,
        amount_raw,
        refunded_at_raw,
        rejection_reasons
    from checked

)

select * from final
