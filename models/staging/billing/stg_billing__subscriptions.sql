with

source as (

    select * from {{ billing_input('subscriptions') }}

),

cleaned as (

    select
        {{ clean_text('subscription_id') }} as subscription_id,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('plan_id') }} as plan_id,
        {{ clean_text('started_at') }} as started_at_raw,
        {{ clean_text('trial_ends_at') }} as trial_ends_at_raw,
        {{ clean_text('ended_at') }} as ended_at_raw,
        {{ source_reasons('subscriptions') }} as source_reasons
    from source

),

typed as (

    select
        ---------- ids
        subscription_id,
        account_id,
        plan_id,

        ---------- timestamps
        {{ strict_cast('started_at_raw', 'timestamp') }} as started_at,
        {{ strict_cast('trial_ends_at_raw', 'timestamp') }} as trial_ends_at,
        {{ strict_cast('ended_at_raw', 'timestamp') }} as ended_at,

        ---------- original text of the cast columns, for the quarantine
        started_at_raw,
        trial_ends_at_raw,
        ended_at_raw,

        ---------- contract checks on the row alone
        {{ contract_reasons('subscriptions') }} as row_reasons

    from cleaned

)

select * from typed
