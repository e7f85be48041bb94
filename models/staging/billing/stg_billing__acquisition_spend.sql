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

typed as (

    select
        ---------- strings
        acquisition_channel,

        ---------- numerics
        {{ strict_cast('amount_raw', 'decimal') }} as amount,

        ---------- dates
        {{ strict_cast('month_raw', 'date') }} as spend_month,

        ---------- original text of the cast columns, for the quarantine
        amount_raw,
        month_raw as spend_month_raw,

        ---------- contract checks on the row alone
        {{ reason_codes([
            (strict_cast('month_raw', 'date') ~ ' != '
             ~ 'cast(' ~ dbt.date_trunc('month', strict_cast('month_raw', 'date'))
             ~ ' as date)',
             'month_not_first_day'),
            (is_money_out_of_range(strict_cast('amount_raw', 'decimal')),
             'amount_out_of_range'),
        ], carried=contract_reasons('acquisition_spend')) }} as row_reasons

    from cleaned

)

select * from typed
