with

source as (

    select * from {{ source('billing', 'fx_rates') }}

),

cleaned as (

    select
        upper({{ clean_text('currency') }}) as currency,
        {{ clean_text('rate_to_reporting') }} as rate_to_reporting_raw,
        {{ clean_text('rate_date') }} as rate_date_raw
    from source

),

typed as (

    select
        ---------- strings
        currency,

        ---------- numerics
        {{ strict_cast('rate_to_reporting_raw', 'decimal', type_rate()) }}
            as rate_to_reporting,

        ---------- dates
        {{ strict_cast('rate_date_raw', 'date') }} as rate_date,

        ---------- original text of the cast columns, for the quarantine
        rate_to_reporting_raw,
        rate_date_raw,

        ---------- contract checks on the row alone
        {{ reason_codes(
            [(strict_cast('rate_to_reporting_raw', 'decimal', type_rate())
              ~ ' <= 0',
              'non_positive_rate')],
            carried=contract_reasons('fx_rates')) }} as row_reasons

    from cleaned

)

select * from typed
