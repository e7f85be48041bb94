{#- The rate read into a type wide enough for any decimal the contract
    casts (22 integer digits, 12 places): the rate type itself holds only 16
    integer digits, so a larger rate must be recognised as out of range
    before it is cast to that type. Same rounding as a direct cast. -#}
{%- set rate_read = strict_cast(
    'rate_to_reporting_raw', 'decimal', type_money_precise()) -%}

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
        case
            when {{ rate_read }} < {{ rate_limit() }}
                then cast({{ rate_read }} as {{ type_rate() }})
        end as rate_to_reporting,

        ---------- dates
        {{ strict_cast('rate_date_raw', 'date') }} as rate_date,

        ---------- original text of the cast columns, for the quarantine
        rate_to_reporting_raw,
        rate_date_raw,

        ---------- contract checks on the row alone
        {{ reason_codes([
            (rate_read ~ ' <= 0', 'non_positive_rate'),
            (rate_read ~ ' >= ' ~ rate_limit(), 'rate_out_of_range'),
        ], carried=contract_reasons('fx_rates')) }} as row_reasons

    from cleaned

)

select * from typed
