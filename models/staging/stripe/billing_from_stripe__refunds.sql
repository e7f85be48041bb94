-- Stripe credit notes and refunds in the shape of the contract's `refunds`
-- table, every column as text (docs/stripe.md). Grain: one row
-- per line of an issued credit note; per invoice line a succeeded charge
-- refund (one no credit note paid out) is spread over; and one row per such
-- refund that cannot be spread, which the contract then rejects with its
-- reasons. Rows Fivetran marks deleted (_fivetran_deleted) are not read:
-- stripe_input_summary counts them.
with

credit_notes as (

    select * from {{ stripe_table('credit_note') }}

),

credit_note_lines as (

    select * from {{ stripe_table('credit_note_line_item') }}

),

refunds as (

    select * from {{ stripe_table('refund') }}

),

charges as (

    select * from {{ stripe_table('charge') }}

),

invoice_lines as (

    select * from {{ ref('billing_from_stripe__invoice_line_items') }}

),

exponents as (

    select * from {{ ref('stripe_currency_exponents') }}

),

credit_note_rows as (

    select
        {{ clean_text('id') }} as credit_note_id,
        lower({{ clean_text('status') }}) as credit_note_status,
        {{ clean_text('created') }} as created,
        {{ clean_text('refund_id') }} as refund_id
    from credit_notes
    where not {{ is_fivetran_deleted() }}

),

-- Credit notes Fivetran marks deleted: the lines of one that has no other
-- row are not read, rather than rejected as lines of a missing credit note.
deleted_credit_note_ids as (

    select distinct {{ clean_text('id') }} as credit_note_id
    from credit_notes
    where {{ is_fivetran_deleted() }}

),

credit_note_line_rows as (

    select
        {{ clean_text('id') }} as credit_note_line_id,
        {{ clean_text('credit_note_id') }} as credit_note_id,
        lower({{ clean_text('type') }}) as line_type,
        {{ stripe_whole_text('amount') }} as amount_minor,
        {{ stripe_whole_text('discount_amount') }} as discount_minor,
        coalesce(
            {{ clean_text('invoice_line_item_id') }},
            {{ clean_text('invoice_line_item') }}
        ) as line_item_id
    from credit_note_lines
    where not {{ is_fivetran_deleted() }}

),

refund_rows as (

    select
        {{ clean_text('id') }} as refund_id,
        {{ clean_text('charge_id') }} as charge_id,
        {{ stripe_whole_text('amount') }} as amount_minor,
        upper({{ clean_text('currency') }}) as currency,
        lower({{ clean_text('status') }}) as refund_status,
        {{ clean_text('created') }} as created
    from refunds
    where not {{ is_fivetran_deleted() }}

),

charge_invoices as (

    select
        {{ clean_text('id') }} as charge_id,
        min({{ clean_text('invoice_id') }}) as invoice_id
    from charges
    group by 1

),

-- The minor unit of each line id (one per id: a duplicated id is rejected
-- in every copy anyway).
line_exponents as (

    select
        line_item_id,
        max(currency_exponent) as currency_exponent
    from invoice_lines
    group by 1

),

-- Lines of issued credit notes, and of credit notes that are missing (kept,
-- to be rejected); lines of void credit notes are not refunds, nor those of
-- a credit note Fivetran marks deleted.
credited as (

    select
        credit_note_line_rows.*,
        credit_note_rows.credit_note_id is not null as has_credit_note,
        credit_note_rows.created as refunded_at,
        coalesce(line_exponents.currency_exponent, 2) as currency_exponent,
        {{ credit_note_net(
            'credit_note_line_rows.amount_minor',
            'credit_note_line_rows.discount_minor') }} as refunded_minor
    from credit_note_line_rows
    left join credit_note_rows
        on
            credit_note_line_rows.credit_note_id
            = credit_note_rows.credit_note_id
    left join deleted_credit_note_ids
        on
            credit_note_line_rows.credit_note_id
            = deleted_credit_note_ids.credit_note_id
    left join line_exponents
        on credit_note_line_rows.line_item_id = line_exponents.line_item_id
    where
        credit_note_rows.credit_note_status = 'issued'
        or (
            credit_note_rows.credit_note_id is null
            and deleted_credit_note_ids.credit_note_id is null
        )

),

credit_note_refunds as (

    select
        credit_note_line_id as refund_id,
        case
            when line_type = 'invoice_line_item' then line_item_id
        end as line_item_id,
        {{ stripe_major_units('refunded_minor', 'currency_exponent') }}
            as amount,
        refunded_at,
        {{ reason_codes([
            ('not has_credit_note', 'unknown_credit_note'),
            ("coalesce(line_type, '') != 'invoice_line_item'",
             'credit_note_line_not_of_an_invoice_line'),
        ]) }} as source_reasons
    from credited

),

-- A credit note that paid out a refund already holds that money.
refunds_of_credit_notes as (

    select distinct refund_id
    from credit_note_rows
    where refund_id is not null

),

open_refunds as (

    select
        refund_rows.*,
        charge_invoices.invoice_id,
        {{ stripe_minor('refund_rows.amount_minor') }} as refund_minor,
        coalesce(exponents.exponent, 2) as currency_exponent
    from refund_rows
    left join charge_invoices
        on refund_rows.charge_id = charge_invoices.charge_id
    left join exponents
        on refund_rows.currency = exponents.currency
    where
        refund_rows.refund_status = 'succeeded'
        and not exists (
            select 1
            from refunds_of_credit_notes
            where refunds_of_credit_notes.refund_id = refund_rows.refund_id
        )

),

-- What a refund is spread over: its invoice's lines with a positive net,
-- tax line included.
positive_lines as (

    select
        invoice_id,
        line_item_id,
        currency,
        net_minor
    from invoice_lines
    where net_minor > 0

),

invoice_totals as (

    select
        invoice_id,
        sum(net_minor) as invoice_net_minor,
        min(currency) as currency,
        count(distinct currency) as currencies
    from positive_lines
    group by 1

),

judged_refunds as (

    select
        open_refunds.*,
        invoice_totals.invoice_net_minor,
        coalesce(
            open_refunds.refund_minor > 0
            and invoice_totals.currencies = 1
            and invoice_totals.currency = open_refunds.currency,
            false
        ) as is_spread,
        invoice_totals.invoice_id is not null as has_lines,
        coalesce(
            invoice_totals.currencies != 1
            or invoice_totals.currency != open_refunds.currency,
            false
        ) as is_other_currency
    from open_refunds
    left join invoice_totals
        on open_refunds.invoice_id = invoice_totals.invoice_id

),

shares as (

    select
        judged_refunds.refund_id,
        judged_refunds.created,
        judged_refunds.refund_minor,
        judged_refunds.currency_exponent,
        positive_lines.line_item_id,
        row_number() over (
            partition by judged_refunds.refund_id
            order by {{ bytewise('positive_lines.line_item_id') }} desc
        ) as place_from_last,
        {{ integer_divide(
            'judged_refunds.refund_minor * positive_lines.net_minor',
            'judged_refunds.invoice_net_minor') }} as floor_minor
    from judged_refunds
    inner join positive_lines
        on judged_refunds.invoice_id = positive_lines.invoice_id
    where judged_refunds.is_spread

),

-- Every line but the last takes the floor of its share; the last takes the
-- remainder, so the pieces add up to the refund exactly.
pieces as (

    select
        *,
        case
            when place_from_last = 1
                then
                    refund_minor
                    - (
                        sum(floor_minor) over (partition by refund_id)
                        - floor_minor
                    )
            else floor_minor
        end as piece_minor
    from shares

),

spread_refunds as (

    select
        {{ dbt.concat(['refund_id', "'-'", 'line_item_id']) }} as refund_id,
        line_item_id,
        {{ stripe_major_units(
            'cast(piece_minor as ' ~ dbt.type_string() ~ ')',
            'currency_exponent') }} as amount,
        created as refunded_at,
        '' as source_reasons
    from pieces
    -- A zero piece moves no money.
    where piece_minor != 0

),

unspread_refunds as (

    select
        refund_id,
        cast(null as {{ dbt.type_string() }}) as line_item_id,
        {{ stripe_major_units('amount_minor', 'currency_exponent') }} as amount,
        created as refunded_at,
        {{ reason_codes([
            ('invoice_id is null', 'refund_without_invoice'),
            ('invoice_id is not null and not has_lines',
             'refund_invoice_without_lines'),
            ('is_other_currency', 'refund_currency_differs'),
        ]) }} as source_reasons
    from judged_refunds
    where not is_spread

),

final as (

    select * from credit_note_refunds
    union all
    select * from spread_refunds
    union all
    select * from unspread_refunds

)

select * from final
