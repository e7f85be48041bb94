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

-- Each contract column cast once (macro contract_casts): the typed
-- columns and the checks read the casts. The rate is read into a type wide
-- enough for any decimal the contract casts (22 integer digits, 12 places):
-- the rate type itself holds only 16 integer digits, so a larger rate must
-- be recognised as out of range before it is cast to that type. Same
-- rounding as a direct cast.
cast_values as (

    select
        *,
        {{ contract_casts(
            'fx_rates', sql_types={'rate_to_reporting': type_money_precise()}) }}
    from cleaned

),

typed as (

    select
        ---------- strings
        currency,

        ---------- numerics
        case
            when rate_to_reporting_cast < {{ rate_limit() }}
                then cast(rate_to_reporting_cast as {{ type_rate() }})
        end as rate_to_reporting,

        ---------- dates
        rate_date_cast as rate_date,

        ---------- original text of the cast columns, for the quarantine
        rate_to_reporting_raw,
        rate_date_raw,

        ---------- contract checks on the row alone
        {{ reason_codes([
            ('rate_to_reporting_cast <= 0', 'non_positive_rate'),
            ('rate_to_reporting_cast >= ' ~ rate_limit(), 'rate_out_of_range'),
        ], carried=contract_reasons('fx_rates')) }} as row_reasons

    from cast_values

)

select * from typed
