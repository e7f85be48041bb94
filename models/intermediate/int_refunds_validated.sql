with

refunds as (

    select * from {{ ref('stg_billing__refunds') }}

),

line_items as (

    select * from {{ ref('int_invoice_line_items_validated') }}

),

-- A duplicated line id is rejected in every copy, so one flag per id is
-- enough to tell a refund of a rejected line.
line_keys as (

    select
        line_item_id,
        min(case when is_accepted then 1 else 0 end) = 1 as is_accepted
    from line_items
    where line_item_id is not null
    group by 1

),

keyed as (

    select
        refunds.*,
        line_keys.line_item_id is not null as has_line,
        coalesce(line_keys.is_accepted, false) as has_accepted_line,
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
    left join line_keys
        on refunds.line_item_id = line_keys.line_item_id

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
        rejection_reasons,
        rejection_reasons is null as is_accepted
    from checked

)

select * from final
