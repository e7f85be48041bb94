-- Stripe invoice lines, and one tax line per taxed invoice, in the shape of
-- the contract's `invoice_line_items` table, every column as text
-- (docs/stripe.md). Lines of draft and deleted invoices are not read,
-- nor rows Fivetran marks deleted (_fivetran_deleted): stripe_input_summary
-- counts them. Also carries each line's net in minor units, which spreads
-- charge refunds (billing_from_stripe__refunds). Grain: one row per line
-- read, plus one per taxed invoice.
with

lines as (

    select * from {{ stripe_table('invoice_line_item') }}

),

invoices as (

    select * from {{ ref('stg_stripe__invoices') }}

),

discounts as (

    select * from {{ stripe_table('discount') }}

),

plans as (

    select * from {{ ref('billing_from_stripe__plans') }}

),

exponents as (

    select * from {{ ref('stripe_currency_exponents') }}

),

line_rows as (

    select
        coalesce({{ clean_text('unique_id') }}, {{ clean_text('id') }})
            as line_item_id,
        {{ clean_text('invoice_id') }} as invoice_id,
        {{ clean_text('subscription_id') }} as subscription_id,
        coalesce({{ clean_text('price_id') }}, {{ clean_text('plan_id') }})
            as plan_id,
        lower({{ clean_text('type') }}) as line_type,
        lower({{ clean_text('proration') }}) as proration,
        {{ stripe_whole_text('amount') }} as amount_minor,
        upper({{ clean_text('currency') }}) as currency,
        {{ stripe_whole_text('quantity') }} as quantity,
        {{ clean_text('period_start') }} as period_start_at,
        {{ clean_text('period_end') }} as period_end_at,
        {{ clean_text('_fivetran_synced') }} as synced_at
    from lines
    where not {{ is_fivetran_deleted() }}

),

-- Rows Fivetran marks deleted are not there: they are no copy of their id.
live_invoices as (

    select *
    from invoices
    where not is_fivetran_deleted

),

-- One row per invoice id, so that a duplicated invoice never duplicates
-- its lines: they are rejected instead (duplicate_stripe_invoice). An id
-- is read when a copy of it is (stg_stripe__invoices).
invoice_copies as (

    select
        invoice_id,
        count(*) as copies,
        min(account_id) as account_id,
        min(currency) as currency,
        min(invoice_status) as invoice_status,
        min(invoiced_at) as invoiced_at,
        min(tax_minor) as tax_minor,
        max(synced_at) as synced_at,
        max(synced_timestamp) as synced_timestamp,
        max(case when outcome = 'read' then 1 else 0 end) = 1 as is_read
    from live_invoices
    group by 1

),

-- The invoice's instant cast once (the strict cast is long): its lines
-- and its tax line take their invoice_date from it.
invoice_keys as (

    select
        *,
        {{ strict_cast('invoiced_at', 'timestamp') }} as invoiced_timestamp
    from invoice_copies

),

-- Ids Fivetran marks deleted: the lines of one that has no other row are
-- not read (stripe_input_summary counts them), rather than rejected as
-- lines of a missing invoice.
deleted_invoice_ids as (

    select distinct invoice_id
    from invoices
    where is_fivetran_deleted

),

read_invoices as (

    select *
    from invoice_keys
    where is_read

),

-- Whether a line's price is metered, one row per price id (a duplicated
-- price is rejected in plans, but must not duplicate lines).
plan_flags as (

    select
        plan_id,
        max(case when is_metered then 1 else 0 end) = 1 as is_metered
    from plans
    group by 1

),

discount_texts as (

    select
        {{ clean_text('type_id') }} as line_item_id,
        {{ stripe_whole_text('amount') }} as discount_minor,
        {{ clean_text('_fivetran_synced') }} as synced_text,
        {{ is_fivetran_deleted() }} as is_fivetran_deleted
    from discounts
    where upper({{ clean_text('type') }}) = 'PARENT_INVOICE_LINE_ITEM'

),

-- Cast once the text is clean: the strict cast repeats its argument.
discount_rows as (

    select
        line_item_id,
        discount_minor,
        {{ strict_cast('synced_text', 'timestamp') }} as synced_at,
        is_fivetran_deleted
    from discount_texts

),

-- The line discounts, summed over coupons in minor units; a discount
-- amount that is not an integer makes the line's discount that text, so
-- that the contract rejects it (invalid_discount_amount). A discount
-- Fivetran marks deleted takes nothing off, but its sync still dates the
-- line: the line's discount changed then (docs/incremental.md).
line_discounts as (

    select
        line_item_id,
        sum(
            case
                when not is_fivetran_deleted
                    then {{ stripe_minor('discount_minor') }}
            end
        ) as discount_minor,
        max(synced_at) as discount_synced_at,
        min(
            case
                when
                    not is_fivetran_deleted
                    and not {{ is_castable('discount_minor', 'integer') }}
                    then discount_minor
            end
        ) as unreadable_discount
    from discount_rows
    group by 1

),

-- A line whose invoice row is missing is kept: the contract rejects it
-- (no account, date or status), with the reason below.
joined_lines as (

    select
        line_rows.*,
        invoice_keys.invoice_id is not null as has_invoice,
        coalesce(invoice_keys.copies > 1, false) as has_duplicate_invoice,
        invoice_keys.account_id,
        invoice_keys.invoice_status,
        invoice_keys.invoiced_at,
        invoice_keys.invoiced_timestamp,
        invoice_keys.synced_timestamp as invoice_synced_at,
        plan_flags.is_metered,
        line_discounts.discount_minor,
        line_discounts.unreadable_discount,
        line_discounts.discount_synced_at
    from line_rows
    left join invoice_keys
        on line_rows.invoice_id = invoice_keys.invoice_id
    left join deleted_invoice_ids
        on line_rows.invoice_id = deleted_invoice_ids.invoice_id
    left join plan_flags
        on line_rows.plan_id = plan_flags.plan_id
    left join line_discounts
        on line_rows.line_item_id = line_discounts.line_item_id
    where
        invoice_keys.is_read
        or (
            invoice_keys.invoice_id is null
            and deleted_invoice_ids.invoice_id is null
        )

),

-- Each Stripe timestamp cast once (the strict cast is long): NULL when the
-- text is NULL or no timestamp.
timed_lines as (

    select
        *,
        {{ strict_cast('period_start_at', 'timestamp') }}
            as period_start_timestamp,
        {{ strict_cast('period_end_at', 'timestamp') }}
            as period_end_timestamp,
        {{ strict_cast('synced_at', 'timestamp') }} as synced_timestamp
    from joined_lines

),

dated_lines as (

    select
        *,
        {{ stripe_date('period_start_at', 'period_start_timestamp') }}
            as period_start_date,
        {{ stripe_date('period_end_at', 'period_end_timestamp') }}
            as period_end_date,
        not {{ is_cast_failed('period_start_at', 'period_start_timestamp') }}
        and not {{ is_cast_failed('period_end_at', 'period_end_timestamp') }}
            as has_timestamp_period,
        {{ stripe_date('invoiced_at', 'invoiced_timestamp') }} as invoice_date
    from timed_lines

),

invoice_lines as (

    select
        line_item_id,
        invoice_id,
        account_id,
        subscription_id,
        plan_id,
        case
            when is_metered then 'usage'
            when line_type = 'subscription' then 'recurring'
            when line_type = 'invoiceitem' and proration = 'true'
                then 'recurring'
            when line_type = 'invoiceitem' then 'one_time'
            else line_type
        end as charge_type,
        amount_minor,
        coalesce(
            unreadable_discount,
            cast(discount_minor as {{ dbt.type_string() }})
        ) as discount_minor,
        currency,
        quantity,
        period_start_date,
        period_end_date,
        -- Stripe's one-off items start and end at the same instant: no
        -- service period (a contract period is at least one day). Text
        -- that is no timestamp is passed on instead, to be rejected.
        coalesce(
            has_timestamp_period and period_start_date = period_end_date,
            false
        ) as is_instant,
        invoice_date,
        invoice_status,
        -- Stripe voids an invoice, or adds a coupon to a line, without
        -- syncing the line's own row again: the line's contract row
        -- changed when any of the three did (docs/incremental.md).
        {{ latest_sync(
            'synced_at', 'synced_timestamp',
            ['invoice_synced_at', 'discount_synced_at']) }}
            as updated_at,
        {{ reason_codes([
            ('not has_invoice', 'unknown_stripe_invoice'),
            ('has_duplicate_invoice', 'duplicate_stripe_invoice'),
        ]) }} as source_reasons
    from dated_lines

),

tax_lines as (

    select
        {{ dbt.concat(['invoice_id', "'-tax'"]) }} as line_item_id,
        invoice_id,
        account_id,
        cast(null as {{ dbt.type_string() }}) as subscription_id,
        cast(null as {{ dbt.type_string() }}) as plan_id,
        'tax' as charge_type,
        tax_minor as amount_minor,
        cast(null as {{ dbt.type_string() }}) as discount_minor,
        currency,
        cast(null as {{ dbt.type_string() }}) as quantity,
        cast(null as {{ dbt.type_string() }}) as period_start_date,
        cast(null as {{ dbt.type_string() }}) as period_end_date,
        false as is_instant,
        {{ stripe_date('invoiced_at', 'invoiced_timestamp') }} as invoice_date,
        invoice_status,
        synced_at as updated_at,
        {{ reason_codes([('copies > 1', 'duplicate_stripe_invoice')]) }}
            as source_reasons
    from read_invoices
    where
        tax_minor is not null
        and coalesce({{ stripe_minor('tax_minor') }} != 0, true)

),

unioned as (

    select * from invoice_lines
    union all
    select * from tax_lines

),

with_exponents as (

    select
        unioned.*,
        coalesce(exponents.exponent, 2) as currency_exponent
    from unioned
    left join exponents
        on unioned.currency = exponents.currency

),

final as (

    select
        line_item_id,
        invoice_id,
        account_id,
        subscription_id,
        plan_id,
        charge_type,
        cast(null as {{ dbt.type_string() }}) as is_committed,
        {{ stripe_major_units('amount_minor', 'currency_exponent') }} as amount,
        {{ stripe_major_units('discount_minor', 'currency_exponent') }}
            as discount_amount,
        currency,
        quantity,
        case when not is_instant then period_start_date end as period_start,
        case when not is_instant then period_end_date end as period_end,
        invoice_date,
        invoice_status,
        updated_at,
        -- The net in minor units, for spreading charge refunds.
        {{ stripe_minor('amount_minor') }}
        - coalesce({{ stripe_minor('discount_minor') }}, 0) as net_minor,
        currency_exponent,
        source_reasons
    from with_exponents

)

select * from final
