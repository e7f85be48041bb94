with

source as (

    select * from {{ billing_input('invoice_line_items') }}

),

cleaned as (

    select
        {{ clean_text('line_item_id') }} as line_item_id,
        {{ clean_text('invoice_id') }} as invoice_id,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('subscription_id') }} as subscription_id,
        {{ clean_text('plan_id') }} as plan_id,
        lower({{ clean_text('charge_type') }}) as charge_type,
        upper({{ clean_text('currency') }}) as currency,
        lower({{ clean_text('invoice_status') }}) as invoice_status,
        {{ clean_text('amount') }} as amount_raw,
        {{ clean_text('discount_amount') }} as discount_amount_raw,
        {{ clean_text('quantity') }} as quantity_raw,
        {{ clean_text('is_committed') }} as is_committed_raw,
        {{ clean_text('period_start') }} as period_start_raw,
        {{ clean_text('period_end') }} as period_end_raw,
        {{ clean_text('invoice_date') }} as invoice_date_raw,
        {{ clean_text('updated_at') }} as updated_at_raw,
        {{ source_reasons('invoice_line_items') }} as source_reasons,
        -- The row as read (int_invoice_line_items_checked, incremental runs).
        {{ source_row_fingerprint('invoice_line_items') }} as source_fingerprint
    from source

),

-- Each contract column cast once (macro contract_casts): the typed
-- columns and the checks read the casts.
cast_values as (

    select
        *,
        {{ contract_casts('invoice_line_items') }}
    from cleaned

),

-- Typed by the contract's strict casts, with the row's own reasons: one
-- macro, which int_invoice_line_items_checked applies to the rows it judges.
typed as (

    {{ typed_invoice_line_items('cast_values') }}

)

select * from typed
