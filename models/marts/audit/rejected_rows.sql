-- Every rejected input row of every contract table, named by its table and
-- key, with its reasons (billing-contract.md, "Bad input").
with

accounts as (

    {{ rejected('accounts') }}

),

plans as (

    {{ rejected('plans') }}

),

subscriptions as (

    {{ rejected('subscriptions') }}

),

users as (

    {{ rejected('users') }}

),

line_items as (

    {{ rejected('invoice_line_items') }}

),

refunds as (

    {{ rejected('refunds') }}

),

fx_rates as (

    {{ rejected('fx_rates') }}

),

spend as (

    {{ rejected('acquisition_spend') }}

),

unioned as (

    select
        'accounts' as source_table,
        account_id as row_key,
        rejection_reasons
    from accounts
    union all
    select
        'plans' as source_table,
        plan_id as row_key,
        rejection_reasons
    from plans
    union all
    select
        'subscriptions' as source_table,
        subscription_id as row_key,
        rejection_reasons
    from subscriptions
    union all
    select
        'users' as source_table,
        user_id as row_key,
        rejection_reasons
    from users
    union all
    select
        'invoice_line_items' as source_table,
        line_item_id as row_key,
        rejection_reasons
    from line_items
    union all
    select
        'refunds' as source_table,
        refund_id as row_key,
        rejection_reasons
    from refunds
    union all
    select
        'fx_rates' as source_table,
        {{ dbt.concat(["coalesce(currency, '')", "' '",
                       "coalesce(rate_date_raw, '')"]) }} as row_key,
        rejection_reasons
    from fx_rates
    union all
    select
        'acquisition_spend' as source_table,
        {{ dbt.concat(["coalesce(spend_month_raw, '')", "' '",
                       "coalesce(acquisition_channel, '')"]) }} as row_key,
        rejection_reasons
    from spend

),

final as (

    select
        source_table,
        row_key,
        rejection_reasons
    from unioned

)

select * from final
