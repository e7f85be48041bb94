{#- The folder of the input files: ARPU_BILLING_DATA_DIR, which `arpu build`
    and `arpu load` set, else arpu_var('billing_data_dir'). Read from the
    environment only when running: a var is part of dbt's saved parse, so
    that builds of different folders would each parse the whole project
    again (runner._shared_parse). -#}
{% macro billing_data_dir() %}
    {%- if execute and env_var('ARPU_BILLING_DATA_DIR', '') -%}
        {{ return(env_var('ARPU_BILLING_DATA_DIR')) }}
    {%- endif -%}
    {{ return(arpu_var('billing_data_dir')) }}
{% endmacro %}
