-- The published revenue fact: int_revenue_line_months as it is (a view,
-- so that an incremental run copies nothing; published_materialization()).
{{ config(materialized=published_materialization()) }}

with

revenue_line_months as (

    select * from {{ ref('int_revenue_line_months') }}

),

final as (

    select * from revenue_line_months

)

select * from final
