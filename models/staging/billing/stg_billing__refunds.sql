with

source as (

    select * from {{ billing_input('refunds') }}

),

cleaned as (

    select
        {{ clean_text('refund_id') }} as refund_id,
        {{ clean_text('line_item_id') }} as line_item_id,
        {{ clean_text('amount') }} as amount_raw,
        {{ clean_text('refunded_at') }} as refunded_at_raw,
        {{ source_reasons('refunds') }} as source_reasons
    from source

),

-- Each contract column cast once (macro contract_casts): the typed
-- columns and the checks read the casts.
cast_values as (

    select
        *,
        {{ contract_casts('refunds') }}
    from cleaned

),

typed as (

    select
        ---------- ids
        refund_id,
        line_item_id,

        ---------- numerics
        amount_cast as amount,

        ---------- timestamps
        refunded_at_cast as refunded_at,

        ---------- original text of the cast columns, for the quarantine
        amount_raw,
        refunded_at_raw,

        ---------- contract checks on the row alone
        {{ reason_codes([
            ('amount_cast <= 0', 'non_positive_amount'),
            (is_money_out_of_range('amount_cast'),
             'amount_out_of_range'),
        ], carried=contract_reasons('refunds')) }} as row_reasons

    from cast_values

)

select * from typed
