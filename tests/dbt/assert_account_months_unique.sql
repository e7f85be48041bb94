-- Composite keys that dbt core's `unique` cannot test on a column:
-- (account_id, month) in int_account_months and (line_item_id, month) in
-- fct_revenue. Returns every duplicated key; passes when it returns nothing.
with

account_months as (

    select * from {{ ref('int_account_months') }}

),

revenue as (

    select * from {{ ref('fct_revenue') }}

),

duplicate_account_months as (

    select
        'int_account_months' as model_name,
        account_id as row_key,
        month,
        count(*) as rows_with_key
    from account_months
    group by 1, 2, 3
    having count(*) > 1

),

duplicate_revenue_lines as (

    select
        'fct_revenue' as model_name,
        line_item_id as row_key,
        month,
        count(*) as rows_with_key
    from revenue
    group by 1, 2, 3
    having count(*) > 1

),

final as (

    select * from duplicate_account_months
    union all
    select * from duplicate_revenue_lines

)

select * from final
