-- Stripe customers in the shape of the contract's `accounts` table, every
-- column as text (docs/stripe.md). Grain: one row per customer
-- row. The contract staging (stg_billing__accounts) casts and checks it.
with

customers as (

    select * from {{ stripe_table('customer') }}

),

cleaned as (

    select
        {{ clean_text('id') }} as customer_id,
        {{ clean_text('name') }} as customer_name,
        {{ clean_text('created') }} as created,
        {{ clean_text('address_country') }} as address_country,
        {{ clean_text('metadata') }} as metadata,
        {{ clean_text('livemode') }} as livemode
    from customers

),

final as (

    select
        customer_id as account_id,
        customer_name as account_name,
        created as created_at,
        {{ json_text('metadata', arpu_var('stripe_employee_count_key')) }}
            as employee_count,
        address_country as country_code,
        {{ json_text('metadata', arpu_var('stripe_industry_key')) }}
            as industry,
        {{ json_text('metadata', arpu_var('stripe_acquisition_channel_key')) }}
            as acquisition_channel,
        -- A soft-deleted customer stays an account: its paid history is real.
        {{ stripe_negate('livemode') }} as is_test,
        {{ reason_codes([
            (json_is_invalid('metadata'), 'invalid_metadata'),
        ]) }} as source_reasons
    from cleaned

)

select * from final
