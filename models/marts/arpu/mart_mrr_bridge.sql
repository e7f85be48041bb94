-- Why MRR moved (docs/metrics.md section 13): the change from the month
-- before split into more customers (customer_effect), more per customer
-- (arpa_effect) and both at once (interaction). Grain: month.
with

-- N and A of mart_arpu_monthly, and the month before's: before the first
-- month nobody pays (0 accounts, 0 MRR, no ARPA).
paying_months as (

    select * from {{ ref('int_segment_months') }}
    where segment_type = '{{ whole_base() }}'

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
    from paying_months

)

select * from final
