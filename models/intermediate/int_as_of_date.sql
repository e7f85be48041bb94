-- metrics.md section 1: the as-of date is arpu_var('as_of_date') when set, else
-- the latest invoice date of an accepted paid or open line of a real
-- (non-test) account. One row.
{%- set as_of_var = arpu_var('as_of_date') | string | trim -%}
{%- set date_form = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' -%}
{%- if as_of_var and not modules.re.match(date_form, as_of_var) -%}
    {{ exceptions.raise_compiler_error(
        "var arpu_as_of_date must be a date YYYY-MM-DD (or empty), not '"
        ~ as_of_var ~ "'") }}
{%- endif %}

with

line_items as (

    select * from {{ ref('int_invoice_line_items_converted') }}

),

latest_invoice as (

    select max(invoice_date) as latest_invoice_date
    from line_items
    -- The lines that count before the as-of date cuts them.
    where {{ is_line_that_counts() }}

),

final as (

    select
        {% if as_of_var -%}
            cast('{{ as_of_var }}' as date)
        {%- else -%}
            latest_invoice_date
        {%- endif %} as as_of_date,
        latest_invoice_date
    from latest_invoice

)

select * from final
