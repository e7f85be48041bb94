with

source as (

    select * from {{ billing_input('accounts') }}

),

cleaned as (

    select
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('account_name') }} as account_name,
        upper({{ clean_text('country_code') }}) as country_code,
        lower({{ clean_text('industry') }}) as industry,
        lower({{ clean_text('acquisition_channel') }}) as acquisition_channel,
        {{ clean_text('employee_count') }} as employee_count_raw,
        {{ clean_text('is_test') }} as is_test_raw,
        {{ clean_text('created_at') }} as created_at_raw,
        {{ source_reasons('accounts') }} as source_reasons
    from source

),

-- Each contract column cast once (macro contract_casts): the typed
-- columns and the checks read the casts.
cast_values as (

    select
        *,
        {{ contract_casts('accounts') }}
    from cleaned

),

typed as (

    select
        ---------- ids
        account_id,

        ---------- strings
        account_name,
        country_code,
        industry,
        acquisition_channel,

        ---------- numerics
        employee_count_cast as employee_count,

        ---------- booleans
        coalesce(is_test_cast, false) as is_test,

        ---------- timestamps
        created_at_cast as created_at,

        ---------- original text of the cast columns, for the quarantine
        employee_count_raw,
        is_test_raw,
        created_at_raw,

        ---------- contract checks on the row alone
        {{ contract_reasons('accounts') }} as row_reasons

    from cast_values

)

select * from typed
