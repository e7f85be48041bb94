with

source as (

    select * from {{ source('billing', 'acquisition_spend') }}

),

cleaned as (

    select
        lower({{ clean_text('acquisition_channel') }}) as acquisition_channel,
        {{ clean_text('amount') }} as amount_raw,
        {{ clean_text('month') }} as month_raw
    from source

),

-- Each contract column cast once (macro contract_casts): the typed
-- columns and the checks read the casts.
cast_values as (

    select
        *,
        {{ contract_casts('acquisition_spend') }}
    from cleaned

),

typed as (

    select
        ---------- strings
        acquisition_channel,

        ---------- numerics
        amount_cast as amount,

        ---------- dates
        month_cast as spend_month,

        ---------- original text of the cast columns, for the quarantine
        amount_raw,
        month_raw as spend_month_raw,

        ---------- contract checks on the row alone
        {{ reason_codes([
            ('month_cast != cast('
             ~ dbt.date_trunc('month', 'month_cast') ~ ' as date)',
             'month_not_first_day'),
            (is_money_out_of_range('amount_cast'),
             'amount_out_of_range'),
        ], carried=contract_reasons('acquisition_spend')) }} as row_reasons

    from cast_values

)

select * from typed
