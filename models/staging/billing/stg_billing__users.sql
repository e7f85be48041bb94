with

source as (

    select * from {{ source('billing', 'users') }}

),

cleaned as (

    select
        {{ clean_text('user_id') }} as user_id,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('created_at') }} as created_at_raw,
        {{ clean_text('deactivated_at') }} as deactivated_at_raw,
        {{ source_reasons('users') }} as source_reasons,
        -- The row as read, for incremental runs (int_users_checked).
        {{ source_row_fingerprint('users') }} as source_fingerprint
    from source

),

-- Each contract column cast once (macro contract_casts): the typed
-- columns and the checks read the casts.
cast_values as (

    select
        *,
        {{ contract_casts('users') }}
    from cleaned

),

-- Typed by the contract's strict casts, with the row's own reasons: one
-- macro, which int_users_checked applies to the rows it judges.
typed as (

    {{ typed_users('cast_values') }}

)

select * from typed
