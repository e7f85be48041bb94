-- The published active-customers dimension: int_paying_account_months as
-- it is (a view; published_materialization()).
{{ config(materialized=published_materialization()) }}

with

paying_account_months as (

    select * from {{ ref('int_paying_account_months') }}

),

final as (

    select * from paying_account_months

)

select * from final
