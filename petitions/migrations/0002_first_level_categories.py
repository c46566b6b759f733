"""The 17 usual first-level categories (DESIGN §4); administrators add the second level."""

from django.db import migrations

FIRST_LEVEL_CATEGORIES = [
    ("01", "政法"), ("02", "科技与信息产业"), ("03", "纪检监察"), ("04", "党务政务"), ("05", "国土资源"),
    ("06", "教育文体"), ("07", "劳动和社会保障"), ("08", "城乡建设"), ("09", "农村农业"), ("10", "卫生计生"),
    ("11", "环境保护"), ("12", "交通运输"), ("13", "民政"), ("14", "经济管理"), ("15", "商贸旅游"),
    ("16", "组织人事"), ("99", "其他"),
]


def create_categories(apps, schema_editor):
    Category = apps.get_model("petitions", "Category")
    for code, name in FIRST_LEVEL_CATEGORIES:
        Category.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("petitions", "0001_initial")]
    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
