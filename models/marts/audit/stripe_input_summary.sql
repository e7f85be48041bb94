-- What became of every row of the Stripe tables that carry money
-- (docs/stripe.md), so that nothing read disappears without a count:
-- rows mapped into the contract, and rows not read with why (draft and
-- deleted invoices, void credit notes, refunds a credit note already holds,
-- rows Fivetran marks deleted, ...). Grain: one row per Stripe table and
-- outcome. Built with arpu_billing_source 'stripe' only.
with

invoices as (

    select * from {{ ref('stg_stripe__invoices') }}

),

lines as (

    select * from {{ stripe_table('invoice_line_item') }}

),

discounts as (

    select * from {{ stripe_table('discount') }}

),

credit_notes as (

    select * from {{ stripe_table('credit_note') }}

),

credit_note_lines as (

    select * from {{ stripe_table('credit_note_line_item') }}

),

refunds as (

    select * from {{ stripe_table('refund') }}

),

mapped_lines as (

    select * from {{ ref('billing_from_stripe__invoice_line_items') }}

),

-- One outcome per invoice id, as billing_from_stripe__invoice_line_items
-- decides: read when a copy of it is read; a row Fivetran marks deleted is
-- no copy, so it decides only for an id that has no other row.
invoice_verdicts as (

    select
        invoice_id,
        case
            when max(case when outcome = 'read' then 1 else 0 end) = 1
                then 'read'
            else coalesce(
                min(case when not is_fivetran_deleted then outcome end),
                min(outcome)
            )
        end as outcome
    from invoices
    group by 1

),

line_outcomes as (

    select
        case
            when {{ is_fivetran_deleted('lines') }}
                then '_fivetran_deleted, not read'
            when invoice_verdicts.outcome = 'read' then 'read'
            when invoice_verdicts.outcome = 'draft, not read'
                then 'on a draft invoice, not read'
            when invoice_verdicts.outcome = 'deleted, not read'
                then 'on a deleted invoice, not read'
            when invoice_verdicts.outcome = '_fivetran_deleted, not read'
                then 'on a _fivetran_deleted invoice, not read'
            else 'invoice not found, rejected'
        end as outcome
    from lines
    left join invoice_verdicts
        on {{ clean_text('lines.invoice_id') }} = invoice_verdicts.invoice_id

),

mapped_line_ids as (

    select distinct line_item_id
    from mapped_lines

),

discount_outcomes as (

    select
        case
            when {{ is_fivetran_deleted('discounts') }}
                then '_fivetran_deleted, not read'
            when
                coalesce(
                    upper({{ clean_text('discounts.type') }}), ''
                ) != 'PARENT_INVOICE_LINE_ITEM'
                then 'not a line discount, not read'
            when mapped_line_ids.line_item_id is null
                then 'line not read'
            else 'read'
        end as outcome
    from discounts
    left join mapped_line_ids
        on {{ clean_text('discounts.type_id') }} = mapped_line_ids.line_item_id

),

credit_note_outcomes as (

    select
        case
            when {{ is_fivetran_deleted() }}
                then '_fivetran_deleted, not read'
            when lower({{ clean_text('status') }}) = 'issued' then 'read'
            else {{ dbt.concat(
                ["coalesce(lower(" ~ clean_text('status') ~ "), 'no status')",
                 "', not read'"]) }}
        end as outcome
    from credit_notes

),

-- As billing_from_stripe__refunds decides: rows Fivetran marks deleted do
-- not say the status.
credit_note_verdicts as (

    select
        {{ clean_text('id') }} as credit_note_id,
        min(
            case
                when not {{ is_fivetran_deleted() }}
                    then lower({{ clean_text('status') }})
            end
        ) as credit_note_status,
        max(
            case when {{ is_fivetran_deleted() }} then 0 else 1 end
        ) = 1 as has_live_row
    from credit_notes
    group by 1

),

credit_note_line_outcomes as (

    select
        case
            when {{ is_fivetran_deleted('credit_note_lines') }}
                then '_fivetran_deleted, not read'
            when credit_note_verdicts.credit_note_id is null
                then 'credit note not found, rejected'
            when not credit_note_verdicts.has_live_row
                then 'on a _fivetran_deleted credit note, not read'
            when credit_note_verdicts.credit_note_status = 'issued'
                then 'read'
            else 'credit note not issued, not read'
        end as outcome
    from credit_note_lines
    left join credit_note_verdicts
        on
            {{ clean_text('credit_note_lines.credit_note_id') }}
            = credit_note_verdicts.credit_note_id

),

paid_out as (

    select distinct {{ clean_text('refund_id') }} as refund_id
    from credit_notes
    where
        {{ clean_text('refund_id') }} is not null
        and not {{ is_fivetran_deleted() }}

),

refund_outcomes as (

    select
        case
            when {{ is_fivetran_deleted('refunds') }}
                then '_fivetran_deleted, not read'
            when paid_out.refund_id is not null
                then 'held by a credit note, not read again'
            when lower({{ clean_text('refunds.status') }}) = 'succeeded'
                then 'read'
            else {{ dbt.concat(
                ["coalesce(lower(" ~ clean_text('refunds.status') ~ "), 'no status')",
                 "', not read'"]) }}
        end as outcome
    from refunds
    left join paid_out
        on {{ clean_text('refunds.id') }} = paid_out.refund_id

),

unioned as (

    select
        'invoice' as stripe_table,
        outcome
    from invoices
    union all
    select
        'invoice_line_item' as stripe_table,
        outcome
    from line_outcomes
    union all
    select
        'discount' as stripe_table,
        outcome
    from discount_outcomes
    union all
    select
        'credit_note' as stripe_table,
        outcome
    from credit_note_outcomes
    union all
    select
        'credit_note_line_item' as stripe_table,
        outcome
    from credit_note_line_outcomes
    union all
    select
        'refund' as stripe_table,
        outcome
    from refund_outcomes

),

final as (

    select
        stripe_table,
        outcome,
        cast(count(*) as {{ dbt.type_bigint() }}) as row_count
    from unioned
    group by 1, 2

)

select * from final
