-- Stripe prices (and legacy plans whose id is not a price) in the shape of
-- the contract's `plans` table, every column as text (docs/stripe.md),
-- plus is_metered, which decides a line's charge_type. Grain: one
-- row per price row and per plan row whose id no price has.
with

prices as (

    select * from {{ stripe_table('price') }}

),

legacy_plans as (

    select * from {{ stripe_table('plan') }}

),

products as (

    select * from {{ stripe_table('product') }}

),

price_rows as (

    select
        {{ clean_text('id') }} as plan_id,
        {{ clean_text('nickname') }} as nickname,
        {{ clean_text('product_id') }} as product_id,
        lower({{ clean_text('recurring_usage_type') }}) as usage_type
    from prices

),

plan_rows as (

    select
        {{ clean_text('id') }} as plan_id,
        {{ clean_text('nickname') }} as nickname,
        {{ clean_text('product_id') }} as product_id,
        lower({{ clean_text('usage_type') }}) as usage_type
    from legacy_plans

),

unioned as (

    select * from price_rows
    union all
    select plan_rows.*
    from plan_rows
    where not exists (
        select 1
        from price_rows
        where price_rows.plan_id = plan_rows.plan_id
    )

),

product_rows as (

    select
        {{ clean_text('id') }} as product_id,
        {{ clean_text('name') }} as product_name,
        {{ clean_text('metadata') }} as metadata
    from products

),

-- A product id that appears twice names no one product: its metadata is
-- not read (the plan keeps its own row; tier reads as unknown).
unique_products as (

    select product_id
    from product_rows
    group by product_id
    having count(*) = 1

),

final as (

    select
        unioned.plan_id,
        coalesce(unioned.nickname, product_rows.product_name) as plan_name,
        {{ json_text('product_rows.metadata', arpu_var('stripe_tier_key')) }}
            as tier,
        {{ json_text(
            'product_rows.metadata', arpu_var('stripe_tier_rank_key')) }}
            as tier_rank,
        coalesce(
            {{ json_text(
                'product_rows.metadata', arpu_var('stripe_pricing_model_key')) }},
            case when unioned.usage_type = 'metered' then 'usage' end
        ) as pricing_model,
        coalesce(unioned.usage_type = 'metered', false) as is_metered,
        {{ reason_codes([
            (json_is_invalid('product_rows.metadata'),
             'invalid_product_metadata'),
        ]) }} as source_reasons
    from unioned
    left join unique_products
        on unioned.product_id = unique_products.product_id
    left join product_rows
        on unique_products.product_id = product_rows.product_id

)

select * from final
