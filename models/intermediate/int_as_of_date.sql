-- metrics.md section 1: the as-of date is var('as_of_date') when set, else
-- the latest invoice date of an accepted paid or open line of a real
-- (non-test) account. One row.
with

line_items as (

    select * from {{ ref('int_invoice_line_items_converted') }}

),

latest_invoice as (

    select max(invoice_date) as latest_invoice_date
    from line_items
    where
        not is_test_account
        and invoice_status in ('paid', 'open')

),

final as (

    select
        {% if var('as_of_date', '') | string | trim -%}
            cast('{{ var("as_of_date") | string | trim }}' as date)
        {%- else -%}
            latest_invoice_date
        {%- endif %} as as_of_date,
        latest_invoice_date
    from latest_invoice

)

select * from final
