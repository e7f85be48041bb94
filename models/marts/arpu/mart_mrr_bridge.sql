-- Why MRR moved (docs/metrics.md section 13): the change from the month
-- before split into more customers (customer_effect), more per customer
-- (arpa_effect) and both at once (interaction). Grain: month.
with

monthly as (

    select * from {{ ref('mart_arpu_monthly') }}

),

paired as (

    select
        month,
        mrr,
        paying_accounts,
        arpa,
        -- Before the first month nobody pays.
        coalesce(lag(mrr) over (order by month), 0) as previous_mrr,
        coalesce(lag(paying_accounts) over (order by month), 0)
            as previous_paying_accounts,
        lag(arpa) over (order by month) as previous_arpa
    from monthly

),

final as (

    select
        month,
        mrr - previous_mrr as mrr_change,
        case
            when paying_accounts = 0 or previous_paying_accounts = 0
                then cast(mrr - previous_mrr as {{ type_double() }})
            else (paying_accounts - previous_paying_accounts) * previous_arpa
        end as customer_effect,
        case
            when paying_accounts = 0 or previous_paying_accounts = 0 then 0
            else (arpa - previous_arpa) * previous_paying_accounts
        end as arpa_effect,
        case
            when paying_accounts = 0 or previous_paying_accounts = 0 then 0
            else
                (paying_accounts - previous_paying_accounts)
                * (arpa - previous_arpa)
        end as interaction
    from paired

)

select * from final
