with

source as (

    select * from {{ billing_input('plans') }}

),

cleaned as (

    select
        {{ clean_text('plan_id') }} as plan_id,
        {{ clean_text('plan_name') }} as plan_name,
        lower({{ clean_text('tier') }}) as tier,
        lower({{ clean_text('pricing_model') }}) as pricing_model,
        {{ clean_text('tier_rank') }} as tier_rank_raw,
        {{ source_reasons('plans') }} as source_reasons
    from source

),

-- Each contract column cast once (macro contract_casts): the typed
-- columns and the checks read the casts.
cast_values as (

    select
        *,
        {{ contract_casts('plans') }}
    from cleaned

),

typed as (

    select
        ---------- ids
        plan_id,

        ---------- strings
        plan_name,
        tier,
        pricing_model,

        ---------- numerics
        tier_rank_cast as tier_rank,

        ---------- original text of the cast columns, for the quarantine
        tier_rank_raw,

        ---------- contract checks on the row alone
        {{ contract_reasons('plans') }} as row_reasons

    from cast_values

)

select * from typed
