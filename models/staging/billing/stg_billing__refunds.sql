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

typed as (

    select
        ---------- ids
        refund_id,
        line_item_id,

        ---------- numerics
        {{ strict_cast('amount_raw', 'decimal') }} as amount,

        ---------- timestamps
        {{ strict_cast('refunded_at_raw', 'timestamp') }} as refunded_at,

        ---------- original text of the cast columns, for the quarantine
        amount_raw,
        refunded_at_raw,

        ---------- contract checks on the row alone
        {{ reason_codes([
            (strict_cast('amount_raw', 'decimal') ~ ' <= 0',
             'non_positive_amount'),
            (is_money_out_of_range(strict_cast('amount_raw', 'decimal')),
             'amount_out_of_range'),
        ], carried=contract_reasons('refunds')) }} as row_reasons

    from cleaned

)

select * from typed
