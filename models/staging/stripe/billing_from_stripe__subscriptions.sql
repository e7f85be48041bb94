-- Stripe subscriptions in the shape of the contract's `subscriptions` table,
-- every column as text (docs/stripe.md). The current version of
-- each subscription_history id, else the `subscription` row; the plan is the
-- price of its earliest item. Grain: one row per subscription row read.
with

history as (

    select * from {{ stripe_table('subscription_history') }}

),

subscriptions as (

    select * from {{ stripe_table('subscription') }}

),

items as (

    select * from {{ stripe_table('subscription_item') }}

),

history_rows as (

    select
        {{ clean_text('id') }} as subscription_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('start_date') }} as start_date,
        {{ clean_text('created') }} as created,
        {{ clean_text('trial_end') }} as trial_end,
        {{ clean_text('ended_at') }} as ended_at
    from history
    where lower({{ clean_text('_fivetran_active') }}) = 'true'

),

subscription_rows as (

    select
        {{ clean_text('id') }} as subscription_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('start_date') }} as start_date,
        {{ clean_text('created') }} as created,
        {{ clean_text('trial_end') }} as trial_end,
        {{ clean_text('ended_at') }} as ended_at
    from subscriptions

),

unioned as (

    select * from history_rows
    union all
    select subscription_rows.*
    from subscription_rows
    where not exists (
        select 1
        from history_rows
        where history_rows.subscription_id = subscription_rows.subscription_id
    )

),

item_texts as (

    select
        {{ clean_text('id') }} as item_id,
        {{ clean_text('subscription_id') }} as subscription_id,
        coalesce(
            {{ clean_text('price_id') }}, {{ clean_text('plan_id') }}
        ) as plan_id,
        {{ clean_text('created') }} as created_text
    from items

),

-- Cast once the text is clean: the strict cast repeats its argument.
item_rows as (

    select
        item_id,
        subscription_id,
        plan_id,
        {{ strict_cast('created_text', 'timestamp') }} as created
    from item_texts

),

first_items as (

    select
        subscription_id,
        plan_id,
        row_number() over (
            partition by subscription_id
            order by created asc nulls last, {{ bytewise('item_id') }} asc
        ) as item_rank
    from item_rows

),

final as (

    select
        unioned.subscription_id,
        unioned.customer_id as account_id,
        first_items.plan_id,
        coalesce(unioned.start_date, unioned.created) as started_at,
        unioned.trial_end as trial_ends_at,
        unioned.ended_at,
        '' as source_reasons
    from unioned
    left join first_items
        on
            unioned.subscription_id = first_items.subscription_id
            and first_items.item_rank = 1

)

select * from final
