{#- The reporting currency (var `arpu_reporting_currency`), upper-cased as
    staged currencies are, as a quoted SQL literal. Its rate is always 1
    (billing-contract.md, fx_rates): int_fx_rates_checked ignores its rows,
    int_fx_rates_by_invoice_date gives it rate 1, and it never has an FX
    effect (metrics.md section 10). Every model compares with this macro,
    never with the var. -#}
{% macro reporting_currency() -%}
    '{{ arpu_var("reporting_currency") | upper }}'
{%- endmacro %}
