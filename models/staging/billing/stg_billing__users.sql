with

source as (

    select * from {{ source('billing', 'users') }}

),

cleaned as (

    select
        {{ clean_text('user_id') }} as user_id,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('created_at') }} as created_at_raw,
        {{ clean_text('deactivated_at') }} as deactivated_at_raw
    from source

),

typed as (

    select
        ---------- ids
        user_id,
        account_id,

        ---------- timestamps
        {{ strict_cast('created_at_raw', 'timestamp') }} as created_at,
        {{ strict_cast('deactivated_at_raw', 'timestamp') }} as deactivated_at,

        ---------- original text of the cast columns, for the quarantine
        created_at_raw,
        deactivated_at_raw,

        ---------- contract checks on the row alone
        {{ contract_reasons('users') }} as row_reasons

    from cleaned

)

select * from typed
