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

-- Each contract column cast once (macro contract_casts): the typed
-- columns and the checks read the casts.
cast_values as (

    select
        *,
        {{ contract_casts('subscriptions') }}
    from cleaned

),

typed as (

    select
        ---------- ids
        subscription_id,
        account_id,
        plan_id,

        ---------- timestamps
        started_at_cast as started_at,
        trial_ends_at_cast as trial_ends_at,
        ended_at_cast as ended_at,

        ---------- original text of the cast columns, for the quarantine
        started_at_raw,
        trial_ends_at_raw,
        ended_at_raw,

        ---------- contract checks on the row alone
        {{ contract_reasons('subscriptions') }} as row_reasons

    from cast_values

)

select * from typed
