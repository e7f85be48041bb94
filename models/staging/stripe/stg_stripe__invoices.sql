-- Stripe invoices with the fields their lines take, and whether they are
-- read at all (docs/stripe.md): drafts are not invoices yet,
-- deleted invoices are gone from Stripe, and a row Fivetran marks deleted
-- (_fivetran_deleted) is not there at all, so it is no copy of its id
-- either. The one place that rule lives:
-- billing_from_stripe__invoice_line_items reads the lines of invoices
-- whose outcome is 'read', and stripe_input_summary counts the others.
-- Grain: one row per row of Stripe `invoice`.
with

invoices as (

    select * from {{ stripe_table('invoice') }}

),

cleaned as (

    select
        {{ clean_text('id') }} as invoice_id,
        {{ clean_text('customer_id') }} as account_id,
        upper({{ clean_text('currency') }}) as currency,
        lower({{ clean_text('status') }}) as invoice_status,
        coalesce(
            {{ clean_text('status_transitions_finalized_at') }},
            {{ clean_text('created') }}
        ) as invoiced_at,
        {{ stripe_whole_text('tax') }} as tax_minor,
        coalesce(lower({{ clean_text('is_deleted') }}) = 'true', false)
            as is_deleted,
        {{ is_fivetran_deleted() }} as is_fivetran_deleted,
        {{ clean_text('_fivetran_synced') }} as synced_at
    from invoices

),

-- Cast once the text is clean: the strict cast repeats its argument.
timed as (

    select
        *,
        {{ strict_cast('synced_at', 'timestamp') }} as synced_timestamp
    from cleaned

),

final as (

    select
        *,
        case
            when is_fivetran_deleted then '_fivetran_deleted, not read'
            when is_deleted then 'deleted, not read'
            when invoice_status = 'draft' then 'draft, not read'
            else 'read'
        end as outcome
    from timed

)

select * from final
